/**
 * The attributes a derived image carries over from its source, and which of them identify a
 * patient, an institution or a date under the DICOM Basic Application Level Confidentiality
 * Profile (PS3.15 Annex E, table E.1-1).
 *
 * The writer builds its data set from this list and never copies anything else (private tags,
 * UIDs, addresses, free text), so removing identifiers is by construction, not by deletion.
 */

export interface CarriedAttribute {
  /** dicom-parser's tag key, 'xGGGGEEEE'. */
  tag: string;
  keyword: string;
  /** Removed by the basic profile unless the caller keeps identifiers. */
  identifying: boolean;
  /**
   * Type 2 in the output's modules and 'Z' in the profile: written empty rather than left out
   * when removed.
   */
  emptyWhenRemoved?: boolean;
}

function a(tag: string, keyword: string, identifying: boolean, emptyWhenRemoved = false) {
  return { tag: `x${tag.toLowerCase()}`, keyword, identifying, emptyWhenRemoved };
}

export const CARRIED: readonly CarriedAttribute[] = [
  // Patient and study identification (Z: kept as empty Type 2 attributes).
  a('00100010', 'PatientName', true, true),
  a('00100020', 'PatientID', true, true),
  a('00100030', 'PatientBirthDate', true, true),
  a('00100040', 'PatientSex', true, true),
  a('00080020', 'StudyDate', true, true),
  a('00080030', 'StudyTime', true, true),
  a('00080050', 'AccessionNumber', true, true),
  a('00080090', 'ReferringPhysicianName', true, true),
  a('00200010', 'StudyID', true, true),
  // Identifying attributes the profile removes (X).
  a('00101010', 'PatientAge', true),
  a('00101000', 'OtherPatientIDs', true),
  a('00101001', 'OtherPatientNames', true),
  a('00080021', 'SeriesDate', true),
  a('00080031', 'SeriesTime', true),
  a('00080022', 'AcquisitionDate', true),
  a('00080032', 'AcquisitionTime', true),
  a('00080023', 'ContentDate', true),
  a('00080033', 'ContentTime', true),
  a('00080080', 'InstitutionName', true),
  a('00080081', 'InstitutionAddress', true),
  a('00081040', 'InstitutionalDepartmentName', true),
  a('00081010', 'StationName', true),
  a('00081070', 'OperatorsName', true),
  a('00081050', 'PerformingPhysicianName', true),
  a('00081030', 'StudyDescription', true),
  a('0008103E', 'SeriesDescription', true),
  a('00181000', 'DeviceSerialNumber', true),
  // Not identifying: kept.
  a('00080060', 'Modality', false),
  a('00180015', 'BodyPartExamined', false),
  a('00200020', 'PatientOrientation', false),
  a('00200060', 'Laterality', false),
  a('00200062', 'ImageLaterality', false),
  a('00185101', 'ViewPosition', false),
  a('00180050', 'SliceThickness', false),
  a('00200011', 'SeriesNumber', false),
  a('00200013', 'InstanceNumber', false),
];
